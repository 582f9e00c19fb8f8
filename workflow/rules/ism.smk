# In-silico mutagenesis against the known truth (synthetic data only: the real data has none).


rule ism_truth:
    input:
        test="resources/synthetic/filtered_test_data_with_MAUDE_expression.txt",
        subsets="resources/synthetic/test_subset_ids",
        public="resources/synthetic/public_leaderboard_ids",
        code=module_file("promoterbench.ism"),
    output:
        sequences="results/synthetic/ism/sequences.tsv",
        effects="results/synthetic/ism/oracle/rep1.parquet",
        scores="results/synthetic/ism/oracle/rep1.tsv",
    log:
        "results/synthetic/logs/ism/oracle.log",
    benchmark:
        "results/synthetic/benchmarks/ism/oracle.tsv"
    conda:
        "../../envs/torch-cpu.yaml"
    resources:
        mem_mb=800,
    params:
        ism=config["ism"],
    script:
        "../scripts/ism_truth.py"


rule ism:
    input:
        model="results/synthetic/models/{team}/rep{rep}/model.pt",
        memory="results/synthetic/teams/{team}/memory.json",
        sequences="results/synthetic/ism/sequences.tsv",
        truth="results/synthetic/ism/oracle/rep1.parquet",
        code=team_source,
    output:
        effects="results/synthetic/ism/{team}/rep{rep}.parquet",
        scores="results/synthetic/ism/{team}/rep{rep}.tsv",
    log:
        "results/synthetic/logs/ism/{team}/rep{rep}.log",
    benchmark:
        "results/synthetic/benchmarks/ism/{team}/rep{rep}.tsv"
    conda:
        TORCH_ENV
    threads: 1
    resources:
        mem_mb=ism_mem_mb,
        gpu=gpus,
    params:
        device=config["device"],
        precision=config["precision"],
        deterministic=config["deterministic"],
    script:
        "../scripts/ism.py"


rule plot_ism:
    input:
        truth="results/synthetic/ism/oracle/rep1.parquet",
        sequences="results/synthetic/ism/sequences.tsv",
        effects=first_ism_effects,
        scores=first_ism_scores,
        code=module_file("promoterbench.plots.ism"),
    output:
        png=report(
            "results/synthetic/figures/ism.png",
            caption="../report/plot_ism.rst",
            category="Figures",
            labels={"figure": "in-silico mutagenesis"},
        ),
        pdf="results/synthetic/figures/ism.pdf",
    log:
        "results/synthetic/logs/plot_ism.log",
    benchmark:
        "results/synthetic/benchmarks/plot_ism.tsv"
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=800,
    params:
        names=TEAMS,
    script:
        "../scripts/plot_ism.py"

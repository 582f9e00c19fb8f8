# The paper's other benchmarks (data: deepstarr | lentimpra): fetch and check the record, read it
# into one validated table with its split, train every configured model of the data set's
# section, predict the test rows, score each output and rank (docs/other-datasets.md).


rule fetch_dataset:
    output:
        "resources/{dataset}/{file}",
    log:
        "results/{dataset}/logs/fetch/{file}.log",
    benchmark:
        "results/{dataset}/benchmarks/fetch/{file}.tsv"
    wildcard_constraints:
        file="|".join(re.escape(f) for d in TABLE_DATA for f in dataset_files.downloads(d)),
    localrule: True
    conda:
        "../../envs/data.yaml"
    resources:
        mem_mb=500,
    params:
        source=dataset_source,
    script:
        "../scripts/fetch_dataset.py"


rule extract_cell_type:
    input:
        tarball="resources/lentimpra/human_mpra_data.tar.gz",
    output:
        table="resources/lentimpra/{cell_type}_clean.tsv",
    log:
        "results/lentimpra/logs/extract/{cell_type}.log",
    benchmark:
        "results/lentimpra/benchmarks/extract/{cell_type}.tsv"
    wildcard_constraints:
        cell_type="K562|HepG2|WTC11",
    conda:
        "../../envs/data.yaml"
    resources:
        mem_mb=500,
    script:
        "../scripts/extract_cell_type.py"


rule ingest_table:
    input:
        files=table_inputs,
    output:
        table="results/{dataset}/table.parquet",
        qc="results/{dataset}/qc/ingest.tsv",
        rejected="results/{dataset}/qc/rejected.tsv",
    log:
        "results/{dataset}/logs/ingest.log",
    benchmark:
        "results/{dataset}/benchmarks/ingest.tsv"
    conda:
        "../../envs/data.yaml"
    resources:
        mem_mb=mem_mb("ingest_table"),
    params:
        options=table_options,
        max_rejected_fraction=config["ingest"]["max_rejected_fraction"],
    script:
        "../scripts/ingest_table.py"


rule select_rows:
    input:
        table="results/{dataset}/table.parquet",
    output:
        selection="results/{dataset}/models/{model}/selection.parquet",
        memory="results/{dataset}/models/{model}/memory.json",
    log:
        "results/{dataset}/logs/select/{model}.log",
    benchmark:
        "results/{dataset}/benchmarks/select/{model}.tsv"
    conda:
        "../../envs/torch-cpu.yaml"
    resources:
        mem_mb=mem_mb("select_rows"),
    params:
        model=model_config,
    script:
        "../scripts/select_rows.py"


rule train_model:
    input:
        table="results/{dataset}/table.parquet",
        selection="results/{dataset}/models/{model}/selection.parquet",
        memory="results/{dataset}/models/{model}/memory.json",
    output:
        model="results/{dataset}/models/{model}/rep{rep}/model.pt",
        history="results/{dataset}/models/{model}/rep{rep}/history.tsv",
        summary="results/{dataset}/models/{model}/rep{rep}/train_summary.json",
    log:
        "results/{dataset}/logs/train/{model}/rep{rep}.log",
    benchmark:
        "results/{dataset}/benchmarks/train/{model}/rep{rep}.tsv"
    conda:
        TORCH_ENV
    threads: 1
    resources:
        mem_mb=train_mem_mb,
        gpu=gpus,
    params:
        model=model_config,
        device=config["device"],
        precision=config["precision"],
        deterministic=config["deterministic"],
        checkpoints=model_checkpoints,
    script:
        "../scripts/train_model.py"


rule predict_model:
    input:
        table="results/{dataset}/table.parquet",
        model="results/{dataset}/models/{model}/rep{rep}/model.pt",
        memory="results/{dataset}/models/{model}/memory.json",
    output:
        predictions="results/{dataset}/predictions/{model}/rep{rep}.tsv",
    log:
        "results/{dataset}/logs/predict/{model}/rep{rep}.log",
    benchmark:
        "results/{dataset}/benchmarks/predict/{model}/rep{rep}.tsv"
    conda:
        TORCH_ENV
    threads: 1
    resources:
        mem_mb=table_predict_mem_mb,
        gpu=gpus,
    params:
        device=config["device"],
        precision=config["precision"],
        deterministic=config["deterministic"],
    script:
        "../scripts/predict_model.py"


rule evaluate_model:
    input:
        table="results/{dataset}/table.parquet",
        predictions="results/{dataset}/predictions/{model}/rep{rep}.tsv",
    output:
        evaluation="results/{dataset}/evaluation/{model}/rep{rep}.tsv",
    log:
        "results/{dataset}/logs/evaluate/{model}/rep{rep}.log",
    benchmark:
        "results/{dataset}/benchmarks/evaluate/{model}/rep{rep}.tsv"
    conda:
        "../../envs/data.yaml"
    resources:
        mem_mb=mem_mb("evaluate_table"),
    params:
        options=table_options,
    script:
        "../scripts/evaluate_model.py"


rule bootstrap_models:
    input:
        table="results/{dataset}/table.parquet",
        predictions=model_predictions,
    output:
        bootstrap="results/{dataset}/bootstrap.tsv",
        pairwise="results/{dataset}/pairwise.tsv",
    log:
        "results/{dataset}/logs/bootstrap.log",
    benchmark:
        "results/{dataset}/benchmarks/bootstrap.tsv"
    conda:
        "../../envs/data.yaml"
    resources:
        mem_mb=mem_mb("bootstrap_table"),
    params:
        names=model_run_names,
        bootstrap=config["bootstrap"],
    script:
        "../scripts/bootstrap_models.py"


rule rank_models:
    input:
        evaluations=model_evaluations,
        summaries=model_summaries,
        bootstrap="results/{dataset}/bootstrap.tsv",
        pairwise="results/{dataset}/pairwise.tsv",
    output:
        leaderboard="results/{dataset}/leaderboard.tsv",
    log:
        "results/{dataset}/logs/leaderboard.log",
    benchmark:
        "results/{dataset}/benchmarks/leaderboard.tsv"
    conda:
        "../../envs/data.yaml"
    resources:
        mem_mb=500,
    params:
        names=model_run_names,
    script:
        "../scripts/rank_models.py"


rule plot_table_predictions:
    input:
        table="results/{dataset}/table.parquet",
        leaderboard="results/{dataset}/leaderboard.tsv",
        predictions=first_model_predictions,
        code=module_file("promoterbench.plots.predictions"),
    output:
        png=report(
            "results/{dataset}/figures/predictions.png",
            caption="../report/plot_table_predictions.rst",
            category="Figures",
            labels={"figure": "measured vs predicted per output"},
        ),
        pdf="results/{dataset}/figures/predictions.pdf",
    log:
        "results/{dataset}/logs/plot_predictions.log",
    benchmark:
        "results/{dataset}/benchmarks/plot_predictions.tsv"
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=mem_mb("plot_table_predictions"),
    params:
        names=MODELS,
        options=table_options,
    script:
        "../scripts/plot_table_predictions.py"

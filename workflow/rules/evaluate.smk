rule evaluate:
    input:
        unpack(truth_files),
        submission=submission_file,
    output:
        evaluation="results/{data}/evaluation/{name}/rep{rep}.tsv",
    log:
        "results/{data}/logs/evaluate/{name}/rep{rep}.log",
    benchmark:
        "results/{data}/benchmarks/evaluate/{name}/rep{rep}.tsv"
    conda:
        "../../envs/data.yaml"
    resources:
        mem_mb=mem_mb("evaluate"),
    params:
        split=config["split"],
    script:
        "../scripts/evaluate.py"


rule bootstrap:
    input:
        unpack(truth_files),
        submissions=submissions,
    output:
        bootstrap="results/{data}/bootstrap.tsv",
        pairwise="results/{data}/pairwise.tsv",
    log:
        "results/{data}/logs/bootstrap.log",
    benchmark:
        "results/{data}/benchmarks/bootstrap.tsv"
    conda:
        "../../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb("bootstrap"),
    params:
        names=run_names,
        split=config["split"],
        bootstrap=config["bootstrap"],
    script:
        "../scripts/bootstrap.py"


rule leaderboard:
    input:
        evaluations=evaluations,
        summaries=train_summaries,
        bootstrap="results/{data}/bootstrap.tsv",
        pairwise="results/{data}/pairwise.tsv",
        ism=ism_scores,
    output:
        leaderboard=report(
            "results/{data}/leaderboard.tsv",
            caption="../report/leaderboard.rst",
            category="Leaderboard",
        ),
    log:
        "results/{data}/logs/leaderboard.log",
    benchmark:
        "results/{data}/benchmarks/leaderboard.tsv"
    conda:
        "../../envs/data.yaml"
    resources:
        mem_mb=500,
    params:
        names=run_names,
        external=external,
        split=config["split"],
    script:
        "../scripts/leaderboard.py"


rule publish_leaderboard:
    input:
        leaderboard=configured_leaderboard,
        figures=figures,
    output:
        "results/leaderboard.tsv",
    log:
        "results/logs/publish_leaderboard.log",
    benchmark:
        "results/benchmarks/publish_leaderboard.tsv"
    localrule: True
    conda:
        "../../envs/data.yaml"
    resources:
        mem_mb=100,
    shell:
        "cp {input.leaderboard} {output} 2> {log}"

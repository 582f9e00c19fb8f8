rule tune_trial:
    input:
        bins="results/{data}/by_length",
        split="results/{data}/teams/{team}/split.parquet",
        memory="results/{data}/teams/{team}/memory.json",
        code=team_source,
    output:
        trial="results/{data}/tuning/trials/{team}/{factor}/rep{rep}.json",
    log:
        "results/{data}/logs/tune/{team}/{factor}/rep{rep}.log",
    benchmark:
        "results/{data}/benchmarks/tune/{team}/{factor}/rep{rep}.tsv"
    wildcard_constraints:
        factor=r"[0-9]+(\.[0-9]+)?",
    conda:
        TORCH_ENV
    threads: 1
    resources:
        mem_mb=train_mem_mb,
        gpu=gpus,
    params:
        team=team_config,
        budget=train_budget(),
        device=config["device"],
        precision=config["precision"],
        deterministic=config["deterministic"],
    script:
        "../scripts/tune_trial.py"


rule tuning_table:
    input:
        trials=tuning_trials,
    output:
        table="results/{data}/tuning/{team}.tsv",
    log:
        "results/{data}/logs/tune/{team}.log",
    benchmark:
        "results/{data}/benchmarks/tune/{team}.tsv"
    conda:
        "../../envs/torch-cpu.yaml"
    resources:
        mem_mb=300,
    script:
        "../scripts/tuning_table.py"


rule tune:
    input:
        tuning_tables,

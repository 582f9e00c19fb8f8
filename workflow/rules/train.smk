rule split:
    input:
        bins="results/{data}/by_length",
        code=team_source,
    output:
        split="results/{data}/teams/{team}/split.parquet",
        selection="results/{data}/teams/{team}/selection.tsv",
        memory="results/{data}/teams/{team}/memory.json",
    log:
        "results/{data}/logs/split/{team}.log",
    benchmark:
        "results/{data}/benchmarks/split/{team}.tsv"
    conda:
        "../../envs/torch-cpu.yaml"
    resources:
        mem_mb=mem_mb("split"),
    params:
        team=team_config,
    script:
        "../scripts/split.py"


rule train:
    input:
        bins="results/{data}/by_length",
        split="results/{data}/teams/{team}/split.parquet",
        memory="results/{data}/teams/{team}/memory.json",
        probe=probe_file,
        code=team_source,
    output:
        model="results/{data}/models/{team}/rep{rep}/model.pt",
        history="results/{data}/models/{team}/rep{rep}/history.tsv",
        probe="results/{data}/models/{team}/rep{rep}/probe.tsv",
        summary="results/{data}/models/{team}/rep{rep}/train_summary.json",
    log:
        "results/{data}/logs/train/{team}/rep{rep}.log",
    benchmark:
        "results/{data}/benchmarks/train/{team}/rep{rep}.tsv"
    conda:
        TORCH_ENV
    threads: 1
    resources:
        mem_mb=train_mem_mb,
        gpu=gpus,
    params:
        team=team_config,
        budget=train_budget(),
        probe=config["probe"],
        device=config["device"],
        precision=config["precision"],
        deterministic=config["deterministic"],
        checkpoints=checkpoint_dir,
    script:
        "../scripts/train.py"

rule predict:
    input:
        model="results/{data}/models/{team}/rep{rep}/model.pt",
        memory="results/{data}/teams/{team}/memory.json",
        test=test_file,
        code=team_source,
    output:
        predictions="results/{data}/predictions/{team}/rep{rep}.tsv",
        submission="results/{data}/submissions/{team}/rep{rep}.json",
    log:
        "results/{data}/logs/predict/{team}/rep{rep}.log",
    benchmark:
        "results/{data}/benchmarks/predict/{team}/rep{rep}.tsv"
    conda:
        TORCH_ENV
    threads: 1
    resources:
        mem_mb=predict_mem_mb,
        gpu=gpus,
    params:
        device=config["device"],
        precision=config["precision"],
        deterministic=config["deterministic"],
    script:
        "../scripts/predict.py"


rule oracle:
    input:
        truth="resources/{data}/truth/test_truth.tsv",
    output:
        submission="results/{data}/submissions/oracle/rep1.json",
    log:
        "results/{data}/logs/oracle.log",
    benchmark:
        "results/{data}/benchmarks/oracle.tsv"
    conda:
        "../../envs/data.yaml"
    resources:
        mem_mb=mem_mb("oracle"),
    script:
        "../scripts/oracle.py"


rule ensemble:
    input:
        predictions=team_predictions,
        code=module_file("promoterbench.ensemble"),
    output:
        predictions="results/{data}/predictions/ensemble/rep{rep}.tsv",
        submission="results/{data}/submissions/ensemble/rep{rep}.json",
    log:
        "results/{data}/logs/ensemble/rep{rep}.log",
    benchmark:
        "results/{data}/benchmarks/ensemble/rep{rep}.tsv"
    conda:
        "../../envs/data.yaml"
    resources:
        mem_mb=mem_mb("ensemble"),
    script:
        "../scripts/ensemble.py"

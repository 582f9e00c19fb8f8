rule predict:
    input:
        model="results/{data}/models/{team}/model.pt",
        memory="results/{data}/teams/{team}/memory.json",
        test=test_file,
        code=team_source,
    output:
        predictions="results/{data}/predictions/{team}.tsv",
        submission="results/{data}/submissions/{team}.json",
    log:
        "results/{data}/logs/predict/{team}.log",
    benchmark:
        "results/{data}/benchmarks/predict/{team}.tsv"
    conda:
        "../../envs/torch-cpu.yaml"
    threads: 1
    resources:
        mem_mb=predict_mem_mb,
    params:
        device=config["device"],
        precision=config["precision"],
    script:
        "../scripts/predict.py"


rule oracle:
    input:
        truth="resources/{data}/truth/test_truth.tsv",
    output:
        submission="results/{data}/submissions/oracle.json",
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
        predictions="results/{data}/predictions/ensemble.tsv",
        submission="results/{data}/submissions/ensemble.json",
    log:
        "results/{data}/logs/ensemble.log",
    benchmark:
        "results/{data}/benchmarks/ensemble.tsv"
    conda:
        "../../envs/data.yaml"
    resources:
        mem_mb=mem_mb("ensemble"),
    script:
        "../scripts/ensemble.py"

rule simulate:
    output:
        train="resources/synthetic/train_sequences.txt",
        test="resources/synthetic/filtered_test_data_with_MAUDE_expression.txt",
        subsets=directory("resources/synthetic/test_subset_ids"),
        public=directory("resources/synthetic/public_leaderboard_ids"),
        truth="resources/synthetic/truth/test_truth.tsv",
        probe="resources/synthetic/truth/probe.tsv",
        world="resources/synthetic/world.json",
    log:
        "results/synthetic/logs/simulate.log",
    benchmark:
        "results/synthetic/benchmarks/simulate.tsv"
    conda:
        "../../envs/torch-cpu.yaml"
    threads: 2
    resources:
        mem_mb=simulate_mem_mb,
    params:
        synthetic=config["synthetic"],
    script:
        "../scripts/simulate.py"


rule download:
    output:
        "resources/dream2022/{file}",
    log:
        "results/dream2022/logs/download/{file}.log",
    benchmark:
        "results/dream2022/benchmarks/download/{file}.tsv"
    wildcard_constraints:
        file="|".join(re.escape(f) for f in DOWNLOADS),
    localrule: True
    conda:
        "../../envs/data.yaml"
    resources:
        mem_mb=500,
    params:
        source=download_source,
    script:
        "../scripts/download.py"


rule extract_ids:
    input:
        tarball="resources/dream2022/{folder}.tar.gz",
    output:
        folder=directory("resources/dream2022/{folder}"),
    log:
        "results/dream2022/logs/extract_ids/{folder}.log",
    benchmark:
        "results/dream2022/benchmarks/extract_ids/{folder}.tsv"
    wildcard_constraints:
        folder="test_subset_ids|public_leaderboard_ids",
    conda:
        "../../envs/data.yaml"
    resources:
        mem_mb=500,
    params:
        names=id_files,
    script:
        "../scripts/extract_ids.py"


rule ingest:
    input:
        train=raw_train,
    output:
        reads="results/{data}/reads.parquet",
        qc="results/{data}/qc/ingest.tsv",
        rejected="results/{data}/qc/rejected.tsv",
    log:
        "results/{data}/logs/ingest.log",
    benchmark:
        "results/{data}/benchmarks/ingest.tsv"
    conda:
        "../../envs/data.yaml"
    threads: 2
    resources:
        mem_mb=mem_mb("ingest"),
    params:
        ingest=config["ingest"],
        # where a failed ingest keeps its rejected lines: Snakemake deletes the failed job's
        # outputs, and would print the whole table on screen if it were declared as a log
        keep_rejected="results/{data}/logs/ingest_rejected.tsv",
    script:
        "../scripts/ingest.py"


rule bin_by_length:
    input:
        reads="results/{data}/reads.parquet",
    output:
        bins=directory("results/{data}/by_length"),
        counts="results/{data}/qc/length_bins.tsv",
    log:
        "results/{data}/logs/bin_by_length.log",
    benchmark:
        "results/{data}/benchmarks/bin_by_length.tsv"
    conda:
        "../../envs/data.yaml"
    threads: 2
    resources:
        mem_mb=mem_mb("bin_by_length"),
    script:
        "../scripts/bin_by_length.py"

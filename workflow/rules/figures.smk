rule plot_leaderboard:
    input:
        leaderboard="results/{data}/leaderboard.tsv",
        code=module_file("promoterbench.plots.leaderboard"),
    output:
        png=report(
            "results/{data}/figures/leaderboard.png",
            caption="../report/plot_leaderboard.rst",
            category="Figures",
            labels={"figure": "leaderboard"},
        ),
        pdf="results/{data}/figures/leaderboard.pdf",
    log:
        "results/{data}/logs/plot_leaderboard.log",
    benchmark:
        "results/{data}/benchmarks/plot_leaderboard.tsv"
    wildcard_constraints:
        data="|".join(("synthetic", "dream2022", *TABLE_DATA)),
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=600,
    script:
        "../scripts/plot_leaderboard.py"


rule plot_pairwise:
    input:
        leaderboard="results/{data}/leaderboard.tsv",
        pairwise="results/{data}/pairwise.tsv",
        code=module_file("promoterbench.plots.pairwise"),
    output:
        png=report(
            "results/{data}/figures/pairwise.png",
            caption="../report/plot_pairwise.rst",
            category="Figures",
            labels={"figure": "pairwise comparisons"},
        ),
        pdf="results/{data}/figures/pairwise.pdf",
    log:
        "results/{data}/logs/plot_pairwise.log",
    benchmark:
        "results/{data}/benchmarks/plot_pairwise.tsv"
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=600,
    script:
        "../scripts/plot_pairwise.py"


rule plot_categories:
    input:
        leaderboard="results/{data}/leaderboard.tsv",
        evaluations=first_evaluations,
        code=module_file("promoterbench.plots.categories"),
    output:
        png=report(
            "results/{data}/figures/categories.png",
            caption="../report/plot_categories.rst",
            category="Figures",
            labels={"figure": "categories"},
        ),
        pdf="results/{data}/figures/categories.pdf",
    log:
        "results/{data}/logs/plot_categories.log",
    benchmark:
        "results/{data}/benchmarks/plot_categories.tsv"
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=600,
    params:
        names=entries,
        split=config["split"],
    script:
        "../scripts/plot_categories.py"


rule plot_predictions:
    input:
        unpack(truth_files),
        leaderboard="results/{data}/leaderboard.tsv",
        submissions=first_submissions,
        code=module_file("promoterbench.plots.predictions"),
    output:
        predictions=report(
            "results/{data}/figures/predictions.png",
            caption="../report/plot_predictions.rst",
            category="Figures",
            labels={"figure": "measured vs predicted"},
        ),
        predictions_pdf="results/{data}/figures/predictions.pdf",
        snv=report(
            "results/{data}/figures/snv_effects.png",
            caption="../report/plot_snv.rst",
            category="Figures",
            labels={"figure": "SNV effects"},
        ),
        snv_pdf="results/{data}/figures/snv_effects.pdf",
        tiling=report(
            "results/{data}/figures/motif_tiling.png",
            caption="../report/plot_tiling.rst",
            category="Figures",
            labels={"figure": "motif tiling"},
        ),
        tiling_pdf="results/{data}/figures/motif_tiling.pdf",
    log:
        "results/{data}/logs/plot_predictions.log",
    benchmark:
        "results/{data}/benchmarks/plot_predictions.tsv"
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=mem_mb("plot_predictions"),
    params:
        names=entries,
        split=config["split"],
    script:
        "../scripts/plot_predictions.py"


rule plot_training:
    input:
        probes=first_probe_curves,
        histories=first_histories,
        summaries=first_summaries,
        probe=probe_file,
        code=module_file("promoterbench.plots.training"),
    output:
        png=report(
            "results/{data}/figures/training_curves.png",
            caption="../report/plot_training.rst",
            category="Figures",
            labels={"figure": "training curves"},
        ),
        pdf="results/{data}/figures/training_curves.pdf",
    log:
        "results/{data}/logs/plot_training.log",
    benchmark:
        "results/{data}/benchmarks/plot_training.tsv"
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=600,
    params:
        teams=TEAMS,
    script:
        "../scripts/plot_training.py"


rule plot_lengths:
    input:
        bins="results/{data}/by_length",
        counts="results/{data}/qc/length_bins.tsv",
        splits=splits,
        code=module_file("promoterbench.plots.lengths"),
    output:
        png=report(
            "results/{data}/figures/read_lengths.png",
            caption="../report/plot_lengths.rst",
            category="Figures",
            labels={"figure": "read lengths"},
        ),
        pdf="results/{data}/figures/read_lengths.pdf",
    log:
        "results/{data}/logs/plot_lengths.log",
    benchmark:
        "results/{data}/benchmarks/plot_lengths.tsv"
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=mem_mb("plot_lengths"),
    params:
        teams=TEAMS,
    script:
        "../scripts/plot_lengths.py"

rule plot_leaderboard:
    input:
        leaderboard="results/{data}/leaderboard.tsv",
    output:
        figure=report(
            "results/{data}/figures/leaderboard.png",
            caption="../report/plot_leaderboard.rst",
            category="Figures",
        ),
    log:
        "results/{data}/logs/plot_leaderboard.log",
    benchmark:
        "results/{data}/benchmarks/plot_leaderboard.tsv"
    conda:
        "../../envs/plots.yaml"
    script:
        "../scripts/plot_leaderboard.py"

# promoterbench: train and score the DREAM Challenge 2022 random-promoter models.
#
# results/{data}/...    everything a run produces for one data source (synthetic | dream2022):
#   reads.parquet, by_length/, qc/           ingested, validated and length-binned reads
#   teams/{team}/                            each team's selection (read ids -> train/val)
#   models/{team}/                           trained models, per-epoch history, training summary
#   predictions/, submissions/               test predictions (TSV and official JSON)
#   evaluation/, leaderboard.tsv, figures/   official per-category scores and the ranking
#   logs/, benchmarks/                       one log and one benchmark table per job
# results/leaderboard.tsv                    the leaderboard of the configured data source
# resources/{data}/                          input data in the official Zenodo layout


from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/predict.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/tune.smk"


onsuccess:
    logger.info(run_summary())


rule all:
    default_target: True
    input:
        "results/leaderboard.tsv",

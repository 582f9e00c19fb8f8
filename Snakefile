# promoterbench: train and score the DREAM Challenge 2022 random-promoter models.
#
# results/{data}/...    everything a run produces for one yeast data source (synthetic | dream2022):
#   reads.parquet, by_length/, qc/           ingested, validated and length-binned reads
#   teams/{team}/                            each team's selection (read ids -> train/val)
#   models/{team}/                           trained models, per-epoch history, training summary
#   predictions/, submissions/               test predictions (TSV and official JSON)
#   evaluation/, leaderboard.tsv, figures/   official per-category scores and the ranking
#   ism/                                     in-silico mutagenesis against the truth (synthetic)
#   logs/, benchmarks/                       one log and one benchmark table per job
# results/{dataset}/...  the paper's other benchmarks (data: deepstarr | lentimpra):
#   table.parquet, qc/                       the validated table with its split, QC, rejected
#   models/{model}/, predictions/            selected rows, trained models, test predictions
#   evaluation/, leaderboard.tsv, figures/   r and rho per output, the ranking, the figures
# results/leaderboard.tsv                    the leaderboard of the configured data source
# resources/{data}/                          input data in the official Zenodo layout


from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version

from promoterbench import config_files

min_version("9.0")

# First of all, the config files, so that a mistake is named with its file and line: config.yaml
# before Snakemake reads it, and those given with --configfile (Snakemake has read them, and
# itself refuses one that is not YAML or not a mapping, naming neither file nor line).
try:
    config_files.check(["config.yaml", *workflow.config_settings.configfiles])
except config_files.ConfigFileError as err:
    raise WorkflowError(str(err)) from None


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/predict.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/tune.smk"
include: "workflow/rules/ism.smk"
include: "workflow/rules/datasets.smk"


onsuccess:
    logger.info(run_summary())


rule all:
    default_target: True
    input:
        "results/leaderboard.tsv",

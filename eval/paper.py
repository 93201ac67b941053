"""What the paper (arXiv 2405.04126) reports, to print beside our figures.

The summary gives the paper's setting and qualitative findings but no per-language figures, so none are
quoted here: a reader sees their claims next to our measured numbers, each labelled with its base and data.
"""

PAPER_SETTING = "CodeT5+ 110M embedding, CodeSearchNet (per language) + a custom dataset, 256/256 tokens"
PAPER_FINDINGS = (
    "at most 0.4% of the parameters trained",
    "LoRA and AdaLoRA gave the largest MRR gains among LoRA, AdaLoRA, (IA)3 and prompt tuning",
    "the tuned retriever raised RAG ROUGE by about 0.5% over the baseline retriever",
)


def paper_section() -> str:
    """A Markdown section quoting the paper's reported results, labelled with its base model and data."""
    items = "\n".join(f"- {finding}" for finding in PAPER_FINDINGS)
    return (f"### Reported by the paper (Galliamov et al., 2024, arXiv 2405.04126)\n\nSetting: {PAPER_SETTING}.\n\n"
            f"{items}\n\nThe paper's per-language MRR table is not in our summary of the paper, so no figure "
            "of theirs is quoted; compare the direction and size of the gains, not the absolute values, since "
            "base model and data differ.")

"""Everything human-facing: LaTeX, plain data and JSON, plots, and the activation sheet in Markdown,
LaTeX, HTML and JSON, with the Jupyter displays."""

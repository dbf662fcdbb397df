"""Files xlcustseg reads at run time: the summary template, the two samples, the xlwings Lite bundle.

This folder is installed as the package `xlcustseg.workbook_templates` (see
pyproject.toml); read its files through `xlcustseg.resources`, never by path.
"""

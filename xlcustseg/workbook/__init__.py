"""The only code that touches a workbook: the port, its adapters, the one-click run and the summary sheet."""

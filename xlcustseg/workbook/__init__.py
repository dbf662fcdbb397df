"""The only code that touches a workbook: the port, its openpyxl and xlwings adapters, the one-click run and the summary sheet."""

"""The doorways from Excel: worksheet functions, the ribbon button, the add-in and the xlwings Lite bundle."""

"""Reading files of every supported format into items, validated row by row, and writing them whole or not at all."""

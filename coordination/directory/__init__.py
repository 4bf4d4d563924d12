"""The territory (tenant) and its directory (répertoire) of professionals and structures."""

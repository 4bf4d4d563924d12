"""Server-rendered pages in French, with a little JavaScript and no external asset."""

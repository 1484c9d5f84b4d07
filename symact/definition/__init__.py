"""What an activation *is*: supported primitives, the activation records, the catalogs, the registry
and the safe parser. Imports only :mod:`symact.core`."""

"""itb-evidence: a living evidence table of intrathecal baclofen (ITB) studies in HSP.

The data flows one way: search -> fetch -> parse -> screen -> extract -> link -> store -> export.
Each stage is a module of this package (``extractors`` and ``flows`` sit beside it at top level).
"""

__version__ = "0.1.0"

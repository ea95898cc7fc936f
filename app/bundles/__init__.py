"""Evidence bundles: a case exported as a BagIt bag (RFC 8493) in a zip, verified, imported.

API (all plain functions on a ``Workspace``; safe to call from a background thread)::

    export_claims(ws, claim_ids, out_path, *, progress=None, cancel=None,
                  organization=None, contact=None) -> ExportReport        # raises ExportError/KeyError
    verify_path(path, *, limits=None, progress=None, cancel=None) -> VerifyReport   # never raises for a bad bag
    import_bundle(ws, path, *, limits=None, progress=None, cancel=None) -> ImportBundleReport
                                                                          # raises BundleRejected(.report)

``progress(done, total, message)``; ``cancel`` is anything with ``is_set()`` (threading.Event).

Bundle layout (zip with one top-level folder; ``verify`` also accepts a bag at the zip root
or an unzipped folder)::

    case/bagit.txt               BagIt-Version: 1.0, Tag-File-Character-Encoding: UTF-8
    case/bag-info.txt            Source-Organization, Contact-Name, External-Description, Bagging-Date,
                                 Bag-Size, Payload-Oxum, Bag-Software-Agent, SourceTrace-* (export facts)
    case/manifest-sha256.txt     every payload file
    case/tagmanifest-sha256.txt  bagit.txt, bag-info.txt, manifest-sha256.txt
    case/data/documents/<sha256[:12]>-<file name>   original bytes as imported
    case/data/text/<sha256[:12]>-<name>.txt         extracted text (excerpt positions are code points in it)
    case/data/documents.json     documents with the SHA-256 recorded at import, metadata, importer and time
    case/data/claims.json        claims: verdict, notes, appearances (excerpt anchors, relation, attribution,
                                 derived-from), rejected candidates, external origins, lineage
    case/data/annotations.jsonld W3C Web Annotations (TextQuoteSelector + TextPositionSelector)
    case/data/claimreview.jsonld schema.org ClaimReview per claim with a verdict
    case/data/audit.jsonl        history of these claims and documents
    case/data/appearances.csv    one row per appearance (UTF-8 with BOM, for spreadsheets)
    case/data/report.html        self-contained report; report.pdf rendered from it (when a renderer is set)

The payload holds no local ids, export date or exporter, so the same case yields the same
payload checksums from any workspace (claims, excerpts and appearances have ids derived from
author and creation time; documents are named by SHA-256), as long as the exports name the same
organisation (or none): it is the ClaimReview's author in ``claimreview.jsonld`` (whose hash the
report lists).
"""

from app.bundles.export import ExportCancelled, ExportError, ExportReport, export_claims
from app.bundles.importer import BundleFormatError, BundleRejected, ImportBundleReport, import_bundle
from app.bundles.safezip import UnsafeZipError, ZipLimits
from app.bundles.verify import Finding, VerifyCancelled, VerifyReport, verify_path

__all__ = [
    "BundleFormatError", "BundleRejected", "ExportCancelled", "ExportError", "ExportReport", "Finding",
    "ImportBundleReport", "UnsafeZipError", "VerifyCancelled", "VerifyReport", "ZipLimits", "export_claims",
    "import_bundle", "verify_path",
]

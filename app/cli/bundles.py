"""CLI: ``export`` (claims to an evidence bundle), ``verify`` (any BagIt bag, no workspace
needed) and ``import-bundle`` (a bundle into this workspace)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.common import ProgressBar, open_workspace, print_json


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="export claims as an evidence bundle (a BagIt zip)")
    p.add_argument("claim_ids", nargs="+", type=int, metavar="CLAIM_ID")
    p.add_argument("--out", "-o", required=True, type=Path, help="the zip file to write, e.g. case.zip")
    p.add_argument("--organization", default=None, help="Source-Organization in bag-info.txt "
                   "(default: $SOURCETRACE_ORGANIZATION)")
    p.add_argument("--contact", default=None, help="Contact-Name in bag-info.txt (default: your user name)")
    p.add_argument("--force", action="store_true", help="replace the output file if it exists")
    p.add_argument("--json", action="store_true", help="print the export report as JSON")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("verify", help="verify a bundle or any BagIt bag (zip or folder); exit 0 only if intact")
    p.add_argument("path", type=Path, metavar="BAG", help="a .zip file or a bag folder")
    p.add_argument("--json", action="store_true", help="print the verification report as JSON")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("import-bundle", help="import a verified bundle's documents, claims and excerpts")
    p.add_argument("path", type=Path, metavar="BUNDLE")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import_bundle)


def cmd_export(args: argparse.Namespace) -> int:
    from app.bundles.export import ExportError, export_claims

    if args.out.exists() and not args.force:
        print(f"sourcetrace: {args.out} exists; use --force to replace it", file=sys.stderr)
        return 2
    bar = ProgressBar("exporting")
    with open_workspace(args) as ws:
        try:
            rep = export_claims(ws, args.claim_ids, args.out, organization=args.organization,
                                contact=args.contact, progress=lambda d, t, m: bar.update(d, t, m))
        except ExportError as exc:
            bar.finish()
            print(f"sourcetrace: {exc}", file=sys.stderr)
            return 1
    bar.finish()
    if args.json:
        print_json(rep.to_json())
        return 0
    for w in rep.warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {rep.path}: {rep.claims} claim(s), {rep.documents} document(s), {rep.appearances} appearance(s), "
          f"{len(rep.files)} files, {rep.size:,} bytes")
    print(f"payload fingerprint {rep.fingerprint}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from app.bundles.verify import verify_path

    bar = ProgressBar("verifying")
    report = verify_path(args.path, progress=lambda d, t, m: bar.update(d, t, m))
    bar.finish()
    if args.json:
        print_json(report.to_json())
    else:
        print(report.format_text())
    return 0 if report.ok else 1


def cmd_import_bundle(args: argparse.Namespace) -> int:
    from app.bundles.importer import BundleRejected, import_bundle

    bar = ProgressBar("importing")
    with open_workspace(args) as ws:
        try:
            rep = import_bundle(ws, args.path, progress=lambda d, t, m: bar.update(d, t, m))
        except BundleRejected as exc:
            bar.finish()
            if exc.report is not None and not exc.report.ok:
                print(exc.report.format_text(), file=sys.stderr)
            print(f"sourcetrace: {exc}", file=sys.stderr)
            return 1
    bar.finish()
    if args.json:
        print_json(rep.to_json())
        return 0
    for w in rep.warnings:
        print(f"warning: {w}", file=sys.stderr)
    for c in rep.claims_created:
        print(f"claim {c['id']}: {c['text']}")
    for c in rep.claims_skipped:
        print(f"already here, left unchanged: claim {c['id']}: {c['text']}")
    print(f"imported {len(rep.claims_created)} claim(s), {rep.documents_created} new document(s) "
          f"({rep.documents_reused} already here), {rep.excerpts_created} excerpt(s), "
          f"{rep.history_entries} history entries")
    return 0

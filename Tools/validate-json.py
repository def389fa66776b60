#!/usr/bin/env python3
"""Validates JSON documents against a schema in Firmware-config/schema (resolving the shared common schema).

Usage: validate-json.py SCHEMA_FILE DOCUMENT_JSON...   Prints one line per document; exits 1 if any is invalid.
"""
import json
import pathlib
import sys

import jsonschema
from referencing import Registry, Resource

schema_path = pathlib.Path(sys.argv[1])
schemas = {}
for path in schema_path.parent.glob("*.schema.json"):
    document = json.loads(path.read_text())
    schemas[path.name] = Resource.from_contents(document)
    schemas[document["$id"]] = schemas[path.name]
registry = Registry().with_resources(schemas.items())
schema = json.loads(schema_path.read_text())
validator = jsonschema.Draft202012Validator(schema, registry=registry, format_checker=jsonschema.FormatChecker())
failed = False
for text in sys.argv[2:]:
    errors = sorted(validator.iter_errors(json.loads(text)), key=lambda e: list(e.path))
    if errors:
        failed = True
        print("INVALID", text, "|", "; ".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors))
    else:
        print("valid", text)
sys.exit(1 if failed else 0)

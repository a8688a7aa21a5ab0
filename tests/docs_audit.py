"""Docs conventions the docs lint does not check (run by tests/docs-check, make docs):
every RETURN key of every module and filter has a sample, every module has seealso,
every version_added (plugins, their options, role options) is at most galaxy.yml's version,
and no plugin or role option is newer than its plugin without saying so."""
import ast
import glob
import sys

import yaml
from packaging.version import Version


def docs(path):
    out = {}
    for node in ast.parse(open(path).read()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") in ("DOCUMENTATION", "RETURN"):
            out[node.targets[0].id] = yaml.safe_load(node.value.value) or {}
    return out


def no_sample(ret, prefix=""):
    missing = []
    for key, spec in (ret or {}).items():
        if "contains" in spec:
            missing += no_sample(spec["contains"], prefix + key + ".")
        elif "sample" not in spec and key != "changed":
            missing.append(prefix + key)
    return missing


def main():
    galaxy = Version(str(yaml.safe_load(open("galaxy.yml"))["version"]))
    problems = []

    def check_version(where, value):
        if value is not None and Version(str(value)) > galaxy:
            problems.append("%s: version_added %s is newer than galaxy.yml's version %s" % (where, value, galaxy))

    for path in sorted(glob.glob("plugins/modules/*.py") + glob.glob("plugins/filter/*.py")):
        d = docs(path)
        doc, ret = d.get("DOCUMENTATION"), d.get("RETURN")
        if not doc:
            continue  # a filter file documented elsewhere (ansible-test sanity checks presence)
        check_version(path, doc.get("version_added"))
        for name, opt in (doc.get("options") or {}).items():
            check_version("%s option %s" % (path, name), opt.get("version_added"))
        for key in no_sample(ret):
            problems.append("%s: RETURN %s has no sample" % (path, key))
        if path.startswith("plugins/modules/") and not doc.get("seealso"):
            problems.append("%s: no seealso" % path)
    for path in sorted(glob.glob("roles/*/meta/argument_specs.yml")):
        for entry, spec in (yaml.safe_load(open(path))["argument_specs"] or {}).items():
            if not spec.get("description") and not spec.get("short_description"):
                problems.append("%s: entry point %s has no description" % (path, entry))
            for name, opt in (spec.get("options") or {}).items():
                check_version("%s option %s" % (path, name), opt.get("version_added"))
    for problem in problems:
        print("[docs] " + problem)
    print("[docs] audit: %d problem(s)" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

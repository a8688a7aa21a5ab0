"""Docs and metadata conventions no linter checks (run by tests/docs-check, make docs):
every RETURN key of every module and filter has a sample, every module has seealso, every
role entry point is described, every version_added (plugins, their options, role options) is
at most galaxy.yml's version; the action group `api` (meta/runtime.yml) holds exactly the
modules that take the doc fragment hardway.nodejoin.connection (which documents that
membership); requires_ansible and requirements.txt's ansible-core admit the oldest and the
newest version of tests/ansible-core-range."""
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
            if not spec.get("description"):  # antsibull-docs requires it, short_description is not enough
                problems.append("%s: entry point %s has no description" % (path, entry))
            for name, opt in (spec.get("options") or {}).items():
                check_version("%s option %s" % (path, name), opt.get("version_added"))
    runtime = yaml.safe_load(open("meta/runtime.yml"))
    group = set((runtime.get("action_groups") or {}).get("api") or [])
    connected = set()
    for path in glob.glob("plugins/modules/*.py"):
        doc = docs(path).get("DOCUMENTATION") or {}
        fragments = doc.get("extends_documentation_fragment") or []
        if "hardway.nodejoin.connection" in ([fragments] if isinstance(fragments, str) else fragments):
            connected.add(path.split("/")[-1][:-3])
    for name in sorted(connected - group):
        problems.append("meta/runtime.yml: action group api lacks %s (it takes the connection fragment)" % name)
    for name in sorted(group - connected):
        problems.append("meta/runtime.yml: action group api has %s, which does not take the connection fragment" % name)

    from packaging.specifiers import SpecifierSet
    lines = [line.split() for line in open("tests/ansible-core-range") if line.strip() and not line.startswith("#")]
    tested = [lines[0][0], lines[-1][0]]
    specs = {"meta/runtime.yml requires_ansible": runtime["requires_ansible"]}
    for line in open("requirements.txt"):
        if line.startswith("ansible-core"):
            specs["requirements.txt"] = line.strip()[len("ansible-core"):]
    for where, spec in specs.items():
        for version in tested:
            if Version(version) not in SpecifierSet(spec):
                problems.append("%s (%s) does not admit ansible-core %s of tests/ansible-core-range" % (where, spec, version))

    for problem in problems:
        print("[docs] " + problem)
    print("[docs] audit: %d problem(s)" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

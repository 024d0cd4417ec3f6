"""Coverage-guided fuzzing harnesses (atheris), run on demand for longer than the regular
hypothesis suites in tests/fuzz/: ``python -m fuzz.<target> [libFuzzer options]``, e.g.
``python -m fuzz.parse_xml -max_total_time=600``. Needs the optional ``atheris`` package.
Targets: parse_xml, redirect (decode_redirect), soap (soap.unwrap), verify (xmldsig.verify
of a signed message, mutated).
"""

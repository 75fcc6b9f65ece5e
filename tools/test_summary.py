"""Count a subunit v2 stream's test results: ``N passed, N failed, N skipped``.

Reads the stream (``stestr last --subunit``) on stdin. Exits non-zero when a
test failed or when nothing ran, so a broken discovery cannot look green.
"""

import argparse
import sys

import subunit
import testtools


class Counter(testtools.StreamResult):

    def __init__(self):
        super().__init__()
        self.results = {}

    def status(self, test_id=None, test_status=None, **kwargs):
        if test_id and test_status in ('success', 'fail', 'skip', 'xfail',
                                       'uxsuccess'):
            self.results[test_id] = test_status


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--check', action='append', default=[],
                        metavar='NAME=RC',
                        help="a check's exit status (flake8, the soak), "
                             "counted as one test: passed if 0")
    parser.add_argument('--skipped-run', action='append', default=[],
                        metavar='NAME',
                        help="a test run that could not run here (it said "
                             "why), counted as one skip")
    parser.add_argument('--missing-run', action='append', default=[],
                        metavar='NAME',
                        help="a test run that left no results, counted as "
                             "one failure")
    args = parser.parse_args()
    counter = Counter()
    stream = subunit.ByteStreamToStreamResult(sys.stdin.buffer,
                                              non_subunit_name='stdout')
    counter.startTestRun()
    stream.run(counter)
    counter.stopTestRun()
    results = list(counter.results.values())
    passed = results.count('success') + results.count('xfail')
    failed = results.count('fail') + results.count('uxsuccess')
    skipped = results.count('skip')
    failed_ids = sorted(t for t, s in counter.results.items()
                        if s in ('fail', 'uxsuccess'))
    for test_id in failed_ids:
        print('FAILED: %s' % test_id)
    print('tests: %d passed, %d failed, %d skipped'
          % (passed, failed, skipped))
    for check in args.check:
        name, _, rc = check.partition('=')
        ok = rc.strip() == '0'
        print('%s: %s' % (name, 'passed' if ok else 'FAILED'))
        if ok:
            passed += 1
        else:
            failed += 1
    for name in args.skipped_run:
        print('SKIPPED: the %s could not run here (see its output)' % name)
        skipped += 1
    for name in args.missing_run:
        print('FAILED: the %s test run left no results' % name)
        failed += 1
    print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
    return 1 if failed or not results else 0


if __name__ == '__main__':
    sys.exit(main())

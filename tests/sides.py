"""Which side of the integration a test run loads: Cinder's or Nova's.

Cinder and Nova cannot be imported into one process: both register
``[DEFAULT] state_path`` (oslo.config raises DuplicateOptError). Test
packages that import one of them load only in runs of their side, chosen
by ``SCALEIO_TEST_SIDE`` (``cinder`` unless set; tox's ``nova``
environment sets ``nova``). Everything else loads on both sides.
"""

import os

SIDE = os.environ.get('SCALEIO_TEST_SIDE', 'cinder')
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def only(side, package_file):
    """A ``load_tests`` that discovers a package only in ``side``'s runs."""
    def load_tests(loader, tests, pattern):
        if SIDE == side:
            tests.addTests(loader.discover(
                start_dir=os.path.dirname(os.path.abspath(package_file)),
                pattern=pattern or 'test*.py', top_level_dir=TOP))
        return tests
    return load_tests

from tests import sides

load_tests = sides.only('nova', __file__)

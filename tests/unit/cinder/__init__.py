from tests import sides

load_tests = sides.only('cinder', __file__)

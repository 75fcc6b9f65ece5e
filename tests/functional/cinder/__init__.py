from tests import sides

if sides.SIDE == 'cinder':
    # Cinder's objects must be registered before Cinder modules that use
    # them at import time (the in-tree PowerFlex driver imports the volume
    # manager).
    from cinder import objects

    objects.register_all()

load_tests = sides.only('cinder', __file__)

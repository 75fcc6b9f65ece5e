"""What functional tests of the simulator share: a fresh simulator and a
plain ``requests`` client of it (tests.support.common.Gateway): these
tests witness the wire, not scaleio_client."""

from tests import base
from tests.support import common


class SimulatorTestCase(base.TestCase):
    """A test with a fresh default simulator (API 3.5) at ``self.sim``."""

    simulator_options = {}

    def setUp(self):
        super().setUp()
        self.sim = self.useFixture(
            common.SimulatorFixture(**self.simulator_options)).sim
        self.gw = common.Gateway(self.sim)

    def assertGatewayError(self, response, http_status, error_code):
        """The response is a gateway error body with these codes."""
        self.assertEqual(http_status, response.status_code, response.text)
        body = response.json()
        self.assertEqual(http_status, body['httpStatusCode'])
        self.assertEqual(error_code, body['errorCode'])
        self.assertIsInstance(body['message'], str)
        return body

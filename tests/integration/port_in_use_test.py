"""A second instance on a port already in use exits 1 with one clear line
(RELIABILITY.md P6), and the first keeps serving."""

import os

import harness


class PortInUseTest(harness.TempDirTestCase):
    def test_second_instance_on_same_port(self):
        port = harness.free_port()
        first_config = os.path.join(self.dir, "first.yaml")
        harness.write_config(first_config, port, os.path.join(self.dir, "state-1"))
        first = self.start(first_config, name="first")
        harness.wait_serving(port)

        second_config = os.path.join(self.dir, "second.yaml")
        harness.write_config(second_config, port, os.path.join(self.dir, "state-2"))
        second = self.start(second_config, name="second")
        self.assertEqual(second.wait(timeout=10), 1)
        lines = harness.nonempty_lines(second.stderr())
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("cannot listen on 127.0.0.1:%d: address already in use" % port, lines[0])
        print("stderr: " + lines[0])

        self.assertEqual(harness.http_request(port, "GET", "/healthz")[0], 200)
        self.assertIsNone(first.proc.poll())


if __name__ == "__main__":
    harness.main()

"""A second instance on the same state directory (different port) exits 1
with a lock message naming the holder; the lock goes with the first process."""

import os
import signal

import harness


class StateLockTest(harness.TempDirTestCase):
    def test_second_instance_on_same_state_dir(self):
        state = os.path.join(self.dir, "state")
        first_port = harness.free_port()
        first_config = os.path.join(self.dir, "first.yaml")
        harness.write_config(first_config, first_port, state)
        first = self.start(first_config, name="first")
        harness.wait_serving(first_port)
        self.assertTrue(os.path.exists(os.path.join(state, "lock")))

        second_port = harness.free_port()
        second_config = os.path.join(self.dir, "second.yaml")
        harness.write_config(second_config, second_port, state)
        second = self.start(second_config, name="second")
        self.assertEqual(second.wait(timeout=10), 1)
        lines = harness.nonempty_lines(second.stderr())
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("state directory %s is locked by another ninesd process (pid %d)"
                      % (state, first.pid), lines[0])
        print("stderr: " + lines[0])
        # The lock is taken before binding: the second port was never opened.
        with self.assertRaises(OSError):
            harness.http_request(second_port, "GET", "/healthz", timeout=1)

        # Once the holder is gone (however it died), the next start gets the lock.
        first.signal(signal.SIGKILL)
        first.wait(timeout=5)
        third = self.start(second_config, name="third")
        harness.wait_serving(second_port)
        self.assertIsNone(third.proc.poll())

    def test_state_directory_is_created_private(self):
        state = os.path.join(self.dir, "a", "state")
        port = harness.free_port()
        config = os.path.join(self.dir, "ninesd.yaml")
        harness.write_config(config, port, state)
        self.start(config)
        harness.wait_serving(port)
        self.assertEqual(os.stat(state).st_mode & 0o777, 0o700)


if __name__ == "__main__":
    harness.main()

package io.imago.providers.local;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListeningSocketsTest {
    @Test
    void aPortIsHeldOnlyByTheProcessTreeThatListensOnIt() throws Exception {
        Process listener = new ProcessBuilder(List.of("python3", "-c",
                "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()"))
                .start();
        Process stranger = new ProcessBuilder("sleep", "60").start();
        try {
            int port = Integer.parseInt(new BufferedReader(new InputStreamReader(listener.getInputStream())).readLine().trim());
            assertTrue(ListeningSockets.heldBy(port, listener.toHandle()));
            assertTrue(ListeningSockets.heldBy(port, ProcessHandle.current()), "a parent holds what its children hold");
            assertFalse(ListeningSockets.heldBy(port, stranger.toHandle()), "another process answering there is not the instance");
        } finally {
            listener.destroyForcibly();
            stranger.destroyForcibly();
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = s.getLocalPort();
            s.close();
            assertFalse(ListeningSockets.heldBy(port, ProcessHandle.current()), "nobody listens on a closed port");
        }
    }
}

package testdata.io.netty.channel.unix;

import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/** Stands in for Netty's native socket: the agent instruments any class whose name ends like Netty's. */
public class Socket {
    public final List<String> calls = new ArrayList<>();

    public final void bind(SocketAddress address) {
        calls.add("bind " + address);
    }

    public final void setReusePort(boolean on) {
        calls.add("reuseport " + on);
    }

    /** Its descriptor, which the agent reads to hand the socket over. */
    public final int intValue() {
        calls.add("fd");
        return -1;
    }
}

package dev.cluster.sockets;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Loads the supervisor's native library into a unit test's JVM, or skips the test where it was not built. */
public final class NativeLibraryForTests {
    private NativeLibraryForTests() {
    }

    public static void loadOrSkip() throws IOException {
        URL library = NativeSockets.class.getResource("libslotsocket.so");
        Assumptions.assumeTrue(library != null, "skipped: the native library was not built (no gcc)");
        // From shared's classes or, in a full build, from inside its jar: a file either way for the loader.
        Path file = Files.createTempFile("libslotsocket-test", ".so");
        file.toFile().deleteOnExit();
        try (InputStream in = library.openStream()) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        NativeSockets.load(file);
    }
}

package dev.cluster.home;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of a file's content, in hex: how the home's copies of jars and libraries are named and checked. */
public final class ContentHash {
    private ContentHash() {
    }

    /** The hash of the file, read without following a link. */
    public static String of(Path file) throws IOException {
        try (InputStream in = java.nio.channels.Channels.newInputStream(SafePaths.open(file, StandardOpenOption.READ))) {
            return of(in);
        }
    }

    /** The hash of everything {@code in} holds; reads it to its end. */
    public static String of(InputStream in) throws IOException {
        MessageDigest sha = sha256();
        try (InputStream digesting = new DigestInputStream(in, sha)) {
            digesting.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }

    /** Whether {@code file} is a regular file (not a link) whose content has this hash. */
    public static boolean matches(Path file, String hash) throws IOException {
        return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && of(file).equals(hash);
    }
}

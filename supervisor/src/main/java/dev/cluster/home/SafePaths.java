package dev.cluster.home;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks and opens paths so that nothing is read, written or executed through a path another user
 * controls or through a symbolic link. Every file the daemon or the CLI creates, appends to,
 * truncates or reads in the home goes through {@link #open}, which refuses links.
 */
public final class SafePaths {
    public static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final int STICKY = 01000;
    private static final int ROOT = 0;

    private SafePaths() {
    }

    /** This process's user id (the owner of /proc/self). */
    static int myUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read this process's user id from /proc/self: " + e.getMessage(), e);
        }
    }

    /** {@code what} ({@code dir}) must be a real directory, ours, with no access for group or others. */
    static void requireOwnDirectory(Path dir, String what) throws UnsafePath {
        PosixFileAttributes attributes = attributes(dir, what);
        if (attributes.isSymbolicLink()) {
            throw new UnsafePath(what + " is a symbolic link: use the directory it points to (links are never followed here)");
        }
        if (!attributes.isDirectory()) {
            throw new UnsafePath(what + " is not a directory: remove it or set " + Home.ENV + " elsewhere");
        }
        int uid = uid(dir, what);
        if (uid != myUid()) {
            throw new UnsafePath(what + " belongs to " + attributes.owner().getName() + ", not to you: whoever owns it can run code as you; "
                    + "use a directory of your own (set " + Home.ENV + ", default ~/.cluster)");
        }
        int mode = mode(dir, what);
        if ((mode & 077) != 0) {
            throw new UnsafePath(what + " is shared with other users (mode " + String.format("%04o", mode & 07777) + "): use a directory "
                    + "of your own (set " + Home.ENV + ", default ~/.cluster), or 'chmod 700 " + dir + "' if no one else needs it");
        }
    }

    /**
     * Every existing parent of {@code path} is owned by root or us, and writable by no one else
     * unless sticky (like /tmp): otherwise another user could rename our directory and put theirs
     * in its place.
     */
    static void requireSafeParents(Path path) throws UnsafePath {
        int me = myUid();
        for (Path p = path.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (!Files.exists(p)) {
                continue; // created by us, later
            }
            Hazard hazard = hazard(p, me, true);
            if (hazard != null) {
                throw new UnsafePath(p + ", a parent of " + path + ", " + hazard.what() + ", who could replace what is in it: "
                        + "set " + Home.ENV + " to a directory under one of your own");
            }
        }
    }

    /**
     * What the supervisor runs ({@code what}: a jar, a java, a program) can be changed by no one but
     * us and root: the file and every directory on the way to it, following links (each link lies in
     * a directory checked before it), owned by root or us and writable by no one else, except a
     * sticky directory like /tmp, where only an entry's owner can replace it. Otherwise whoever can
     * change it runs code as us, the next time a worker starts.
     */
    public static void requireTrusted(Path file, String what) throws UnsafePath {
        int me = myUid();
        Path root = file.getFileSystem().getPath("/");
        Deque<Path> todo = new ArrayDeque<>();
        file.toAbsolutePath().forEach(todo::addLast);
        requireTrustedEntry(root, file, what, me, false);
        Path at = root;
        int links = 0;
        while (!todo.isEmpty()) {
            String name = todo.removeFirst().toString();
            if (name.equals("..")) {
                at = at.getParent() != null ? at.getParent() : root; // `at` has no links in it: its parent is the real one
                continue;
            }
            if (name.equals(".")) {
                continue;
            }
            Path next = at.resolve(name);
            if (!attributes(next, next.toString()).isSymbolicLink()) {
                requireTrustedEntry(next, file, what, me, todo.isEmpty());
                at = next;
                continue;
            }
            if (++links > 40) {
                throw new UnsafePath(what + " " + file + " goes through more than 40 symbolic links: give its real path");
            }
            Path target;
            try {
                target = Files.readSymbolicLink(next);
            } catch (IOException e) {
                throw new UnsafePath("cannot read the link " + next + " on the way to " + file + ": " + e.getMessage());
            }
            List<Path> names = new ArrayList<>();
            target.forEach(names::add);
            for (int i = names.size() - 1; i >= 0; i--) {
                todo.addFirst(names.get(i));
            }
            if (target.isAbsolute()) {
                at = root;
            }
        }
    }

    private static void requireTrustedEntry(Path entry, Path file, String what, int me, boolean last) throws UnsafePath {
        Hazard hazard = hazard(entry, me, !last);
        if (hazard != null) {
            String where = !last ? what + " " + file + " is under " + entry + ", which"
                    : entry.equals(file.toAbsolutePath()) ? what + " " + file : what + " " + file + " (" + entry + ")";
            throw new UnsafePath(where + " " + hazard.what() + ", who could change what runs as you: " + hazard.fix());
        }
    }

    /** How another user could change what is in an entry ({@code what}), and the fix. */
    private record Hazard(String what, String fix) {
    }

    /**
     * The one rule for every path we trust: the entry is owned by root or us, and writable by no
     * one else, except, where {@code stickyIsSafe}, a sticky directory like /tmp, whose other users
     * can replace only their own entries. Null when it holds.
     */
    private static Hazard hazard(Path entry, int me, boolean stickyIsSafe) throws UnsafePath {
        int uid = uid(entry, entry.toString());
        if (uid != ROOT && uid != me) {
            String owner = attributes(entry, entry.toString()).owner().getName();
            return new Hazard("belongs to " + owner, "make it yours or root's (chown), or run cluster as " + owner);
        }
        int mode = mode(entry, entry.toString());
        if ((mode & 022) != 0 && !(stickyIsSafe && (mode & STICKY) != 0)) {
            return new Hazard("can be written by other users (mode " + String.format("%04o", mode & 07777) + ")", "chmod go-w " + entry);
        }
        return null;
    }

    /**
     * Opens a file without following a symbolic link: a link there is refused with a message that
     * says so (it can only have been put there to redirect our writes).
     */
    public static FileChannel open(Path file, OpenOption... options) throws IOException {
        Set<OpenOption> all = new HashSet<>(List.of(options));
        all.add(LinkOption.NOFOLLOW_LINKS);
        try {
            return FileChannel.open(file, all);
        } catch (IOException e) { // ELOOP comes as a plain IOException
            if (Files.isSymbolicLink(file)) {
                throw new UnsafePath(file + " is a symbolic link: refusing to follow it; remove it");
            }
            throw e;
        }
    }

    /** Opens for appending, creating the file owner-only if it is missing. */
    public static FileChannel append(Path file) throws IOException {
        return open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    /** Refuses a path that is a symbolic link, for the APIs that cannot be told not to follow one. */
    public static void requireNotLink(Path file) throws UnsafePath {
        if (Files.isSymbolicLink(file)) {
            throw new UnsafePath(file + " is a symbolic link: refusing to follow it; remove it");
        }
    }

    /** Restricts a file (a socket, once bound) to its owner. */
    public static void ownerOnly(Path file) throws IOException {
        requireNotLink(file);
        Files.setPosixFilePermissions(file, OWNER_ONLY_FILE);
    }

    private static PosixFileAttributes attributes(Path p, String what) throws UnsafePath {
        try {
            return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new UnsafePath("cannot inspect " + what + ": " + e.getMessage() + "; check the path");
        }
    }

    private static int uid(Path p, String what) throws UnsafePath {
        return unixAttribute(p, "uid", what);
    }

    private static int mode(Path p, String what) throws UnsafePath {
        return unixAttribute(p, "mode", what);
    }

    private static int unixAttribute(Path p, String name, String what) throws UnsafePath {
        try {
            return (Integer) Files.getAttribute(p, "unix:" + name, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new UnsafePath("cannot inspect " + what + ": " + e.getMessage() + "; check the path");
        }
    }
}

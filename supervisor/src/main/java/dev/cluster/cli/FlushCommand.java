package dev.cluster.cli;

import dev.cluster.home.UnsafePath;
import dev.cluster.home.SafePaths;
import dev.cluster.logs.LogFiles.LogFile;
import dev.cluster.logs.LogFiles;
import dev.cluster.view.WorkerTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "flush", description = "Empty the log files of the targeted workers (default: all) and delete their rotated files. "
        + "Running workers keep writing, from the start of the file.")
final class FlushCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "TARGET", description = "all (default), an app, app:id, or a worker id.")
    String target;

    /**
     * Truncates in place. Safe while workers run: the supervisor writes their files with O_APPEND,
     * so the next line lands at the new end, with no hole of zero bytes before it.
     */
    @Override
    public Integer call() throws IOException {
        LogFiles logs = new LogFiles(ControlClient.verifiedHome().logs());
        List<LogFile> files = logs.list().stream().filter(f -> f.matches(target)).toList();
        if (files.isEmpty()) {
            throw new UserError("no logs" + (target == null ? "" : " for '" + target + "'") + " in " + ControlClient.verifiedHome().logs()
                    + ": see 'cluster list' for app names and ids");
        }
        long freed = 0;
        int rotated = 0;
        for (LogFile f : files) {
            try (FileChannel channel = SafePaths.open(f.path(), StandardOpenOption.WRITE)) {
                freed += channel.size();
                channel.truncate(0);
            } catch (UnsafePath e) {
                throw new UserError(e.getMessage());
            }
            for (Path old : LogFiles.rotated(f.path())) {
                try {
                    long size = Files.size(old);
                    Files.delete(old);
                    freed += size;
                    rotated++;
                } catch (NoSuchFileException e) {
                    // gzipped or pruned by the supervisor meanwhile
                }
            }
        }
        System.out.println("flushed " + files.size() + " log file(s)" + (rotated > 0 ? " and deleted " + rotated + " rotated one(s)" : "")
                + ", " + WorkerTable.bytes(freed));
        return 0;
    }
}

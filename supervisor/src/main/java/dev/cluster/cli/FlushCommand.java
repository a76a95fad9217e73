package dev.cluster.cli;

import dev.cluster.daemon.Home;
import dev.cluster.logs.LogFiles.LogFile;
import dev.cluster.logs.LogFiles;
import dev.cluster.view.WorkerTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "flush", description = "Empty the log files of the targeted workers (default: all). Running workers keep writing, from the start of the file.")
final class FlushCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "TARGET", description = "all (default), an app, app:id, or a worker id.")
    String target;

    /**
     * Truncates in place. Safe while workers run: they write with O_APPEND (the supervisor opens
     * their files so), so the next line lands at the new end, with no hole of zero bytes before it.
     */
    @Override
    public Integer call() throws IOException {
        LogFiles logs = new LogFiles(Home.fromEnvironment().logs());
        List<LogFile> files = logs.list().stream().filter(f -> f.matches(target)).toList();
        if (files.isEmpty()) {
            throw new UserError("no logs" + (target == null ? "" : " for '" + target + "'") + " in " + Home.fromEnvironment().logs()
                    + ": see 'cluster list' for app names and ids");
        }
        long freed = 0;
        for (LogFile f : files) {
            try (FileChannel channel = FileChannel.open(f.path(), StandardOpenOption.WRITE)) {
                freed += channel.size();
                channel.truncate(0);
            }
        }
        System.out.println("flushed " + files.size() + " log file(s), " + WorkerTable.bytes(freed));
        return 0;
    }
}

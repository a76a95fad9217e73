package dev.cluster.cli;

import dev.cluster.config.Durations;
import picocli.CommandLine;

/** Lets picocli read {@code --kill-timeout 5s}: the parse error becomes picocli's one-line usage error. */
final class DurationConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        try {
            return Durations.parseMillis(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}

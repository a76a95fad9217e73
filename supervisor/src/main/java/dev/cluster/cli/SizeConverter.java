package dev.cluster.cli;

import dev.cluster.config.Sizes;
import picocli.CommandLine;

/** Lets picocli read {@code --max-memory-restart 512M}: the parse error becomes picocli's one-line usage error. */
final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        try {
            return Sizes.parseBytes(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}

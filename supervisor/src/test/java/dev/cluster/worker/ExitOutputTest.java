package dev.cluster.worker;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExitOutputTest {
    private static final List<String> JDK25_WARNINGS = List.of(
            "WARNING: A restricted method in java.lang.System has been called",
            "WARNING: java.lang.System::load has been called by io.netty.util.internal.NativeLibraryUtil in an unnamed module",
            "WARNING: Use --enable-native-access=ALL-UNNAMED to avoid a warning for callers in this module",
            "WARNING: Restricted methods will be blocked in a future release unless native access is enabled",
            "WARNING: A terminally deprecated method in sun.misc.Unsafe has been called",
            "WARNING: sun.misc.Unsafe::allocateMemory has been called by io.netty.util.internal.PlatformDependent0$2",
            "WARNING: Please consider reporting this to the maintainers of class io.netty.util.internal.PlatformDependent0$2",
            "WARNING: sun.misc.Unsafe::allocateMemory will be removed in a future release");

    @Test
    void stderrIsTheCauseWhenItSaysMoreThanJvmWarnings() {
        ExitOutput output = ExitOutput.of(List.of("WARNING: A restricted method in java.lang.System has been called", "Exception in thread \"main\" java.lang.IllegalStateException: no config"),
                List.of("starting"));
        assertEquals("stderr", output.stream());
        assertEquals(List.of("Exception in thread \"main\" java.lang.IllegalStateException: no config"), output.lines());
    }

    @Test
    void stdoutIsTheCauseWhenStderrHasOnlyJvmWarnings() {
        List<String> spring = List.of("***************************", "APPLICATION FAILED TO START", "***************************", "",
                "Description:", "", "Web server failed to start. Port 8080 was already in use.");
        ExitOutput output = ExitOutput.of(JDK25_WARNINGS, spring);
        assertEquals("stdout", output.stream());
        assertTrue(output.lines().contains("Web server failed to start. Port 8080 was already in use."), output.toString());
        assertTrue(output.lines().stream().noneMatch(String::isBlank));
    }

    @Test
    void withNothingButWarningsTheWarningsAreShownRatherThanNothing() {
        assertEquals(JDK25_WARNINGS, ExitOutput.of(JDK25_WARNINGS, List.of()).lines());
    }
}

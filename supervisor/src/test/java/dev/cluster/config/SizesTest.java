package dev.cluster.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SizesTest {
    @Test
    void readsBinaryUnitsAsPm2AndTheJvmDo() {
        assertEquals(512L << 20, Sizes.parseBytes("512M"));
        assertEquals(512L << 20, Sizes.parseBytes("512mb"));
        assertEquals(2L << 30, Sizes.parseBytes("2G"));
        assertEquals(300L << 10, Sizes.parseBytes("300k"));
        assertEquals(1L << 40, Sizes.parseBytes("1TiB"));
        assertEquals(4096, Sizes.parseBytes("4096"));
    }

    @Test
    void refusesNonsenseWithAnExample() {
        for (String bad : new String[] {"", "M", "1.5G", "-1M", "12X", "lots"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parseBytes(bad));
            assertTrue(e.getMessage().contains("512M"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Sizes.parseBytes("99999999999T"));
    }
}

package jbert.trainer.cli;

import picocli.CommandLine;

/** A size option that takes a positive number or {@code all}: {@code --train-size 1000}, {@code --eval-size all}. */
public record Count(Integer n) {
    public boolean all() { return n == null; }

    @Override
    public String toString() { return n == null ? "all" : n.toString(); }

    /** picocli converter: "all" or a positive integer, else a usage error. */
    public static final class Converter implements CommandLine.ITypeConverter<Count> {
        @Override
        public Count convert(String value) {
            if (value.equalsIgnoreCase("all")) return new Count(null);
            try {
                int n = Integer.parseInt(value.strip());
                if (n > 0) return new Count(n);
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is neither a positive number nor 'all'");
        }
    }
}

using System.CommandLine;
using System.CommandLine.Parsing;

namespace KernelMemoryPlus.Bench.Infrastructure;

/// <summary>Options shared by the commands, and range checks that fail with a clear message.</summary>
internal static class CommonOptions
{
    /// <summary>An integer option with a default and an inclusive range.</summary>
    /// <param name="name">The option name, with its dashes.</param>
    /// <param name="description">Help text.</param>
    /// <param name="defaultValue">The default.</param>
    /// <param name="min">Smallest allowed value.</param>
    /// <param name="max">Largest allowed value.</param>
    public static Option<int> Int(string name, string description, int defaultValue, int min, int max)
    {
        var option = new Option<int>(name)
        {
            Description = $"{description} [{min}..{max}]",
            DefaultValueFactory = _ => defaultValue,
        };
        option.Validators.Add(result =>
        {
            if (TryGet(result, out int value) && (value < min || value > max))
            {
                result.AddError($"{name} must be between {min} and {max} (got {value}).");
            }
        });
        return option;
    }

    /// <summary>A fraction option (0..1).</summary>
    /// <param name="name">The option name, with its dashes.</param>
    /// <param name="description">Help text.</param>
    /// <param name="defaultValue">The default.</param>
    public static Option<double> Fraction(string name, string description, double defaultValue)
    {
        var option = new Option<double>(name)
        {
            Description = $"{description} [0..1]",
            DefaultValueFactory = _ => defaultValue,
        };
        option.Validators.Add(result =>
        {
            if (TryGet(result, out double value) && (double.IsNaN(value) || value < 0 || value > 1))
            {
                result.AddError($"{name} must be between 0 and 1 (got {value}).");
            }
        });
        return option;
    }

    /// <summary>A choice among fixed words.</summary>
    /// <param name="name">The option name, with its dashes.</param>
    /// <param name="description">Help text.</param>
    /// <param name="defaultValue">The default.</param>
    /// <param name="choices">The allowed values.</param>
    public static Option<string> Choice(string name, string description, string defaultValue, params string[] choices)
    {
        var option = new Option<string>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
        };
        option.AcceptOnlyFromAmong(choices);
        return option;
    }

    /// <summary><c>--json FILE</c>: where to write the machine-readable report; its folder must exist.</summary>
    public static Option<string?> Json()
    {
        var option = new Option<string?>("--json")
        {
            Description = "Also write the results as JSON to FILE (replaced if it exists).",
            HelpName = "FILE",
        };
        option.Validators.Add(Validate);
        return option;

        static void Validate(OptionResult result)
        {
            if (!TryGet(result, out string? path))
            {
                return;
            }

            if (string.IsNullOrWhiteSpace(path))
            {
                result.AddError("--json needs a file path.");
                return;
            }

            string full;
            try
            {
                full = Path.GetFullPath(path);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
            {
                result.AddError($"--json: '{path}' is not a valid file path ({ex.Message}).");
                return;
            }

            if (Directory.Exists(full))
            {
                result.AddError($"--json: '{path}' is a folder; give a file path.");
            }
            else if (Path.GetDirectoryName(full) is { Length: > 0 } folder && !Directory.Exists(folder))
            {
                result.AddError($"--json: the folder '{folder}' does not exist.");
            }
        }
    }

    /// <summary>
    /// The option's value, or false when its text did not convert (System.CommandLine reports that error itself;
    /// asking for the value then throws).
    /// </summary>
    private static bool TryGet<T>(OptionResult result, out T value)
    {
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }

    /// <summary><c>--seed</c>: the seed of the synthetic corpus.</summary>
    public static Option<int> Seed() => Int("--seed", "Seed of the synthetic corpus and vectors (same seed, same data).", 42, 0, int.MaxValue);
}

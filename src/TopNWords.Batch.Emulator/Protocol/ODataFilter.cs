using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TopNWords.Batch.Emulator.Protocol;

/// <summary>The kind of a property a <c>$filter</c> may compare.</summary>
internal enum FilterKind
{
    /// <summary>A string compared case-insensitively (ids, names).</summary>
    Text,

    /// <summary>An enum: the literal must be one of the allowed values (case-insensitive).</summary>
    Enum,

    /// <summary>A time: the literal is <c>datetime'…'</c>.</summary>
    DateTime,

    /// <summary>An integer.</summary>
    Number,

    /// <summary>A boolean: the literal is <c>true</c> or <c>false</c>.</summary>
    Boolean,
}

/// <summary>A filterable property: its path in the entity (<c>state</c>, <c>executionInfo/result</c>) and kind.</summary>
/// <param name="Path">The property's path.</param>
/// <param name="Kind">How its literal is read and compared.</param>
/// <param name="Values">The allowed values of an enum.</param>
/// <param name="StartsWith">Whether <c>startswith(path, 'prefix')</c> may test it (text only).</param>
/// <param name="EqualityOnly">Whether only <c>eq</c> compares it (for example <c>poolId</c> of list pool node counts).</param>
internal sealed record FilterProperty(string Path, FilterKind Kind, IReadOnlyCollection<string>? Values = null, bool StartsWith = false, bool EqualityOnly = false);

/// <summary>
/// The OData <c>$filter</c> subset the Batch service takes for lists: <c>property op literal</c> comparisons
/// (<c>eq ne gt ge lt le</c>) on the properties the entity allows, joined with <c>and</c> / <c>or</c> (and has
/// precedence) and grouped with parentheses, and <c>startswith(property, 'prefix')</c> on the text properties that
/// allow it. Literals: <c>'text'</c> (<c>''</c> is a quote),
/// <c>datetime'2025-07-01T12:00:00Z'</c>, integers, <c>true</c>/<c>false</c>. Anything else is refused with
/// <c>InvalidQueryParameterValue</c>, as the service refuses filters it does not support.
/// </summary>
internal sealed class ODataFilter
{
    private readonly Node _root;

    private ODataFilter(Node root)
    {
        _root = root;
    }

    /// <summary>Gives the value of the property at <paramref name="path"/> when it is known without the entity's JSON.</summary>
    /// <param name="path">The property's path (<c>state</c>, <c>executionInfo/result</c>).</param>
    /// <param name="value">Its value as the entity's JSON would hold it (<see langword="null"/> when the JSON would not have it).</param>
    /// <returns>Whether the value is known; an unknown property counts as matching.</returns>
    public delegate bool KnownProperty(string path, out JsonNode? value);

    private abstract record Node
    {
        public abstract bool Evaluate(JsonObject entity);

        public abstract bool MayMatch(KnownProperty known);

        protected static JsonNode? Find(JsonObject entity, FilterProperty property)
        {
            JsonNode? value = entity;
            foreach (string part in property.Path.Split('/'))
            {
                value = value is JsonObject obj ? obj[part] : null;
            }

            return value;
        }
    }

    private sealed record And(Node Left, Node Right) : Node
    {
        public override bool Evaluate(JsonObject entity) => Left.Evaluate(entity) && Right.Evaluate(entity);

        public override bool MayMatch(KnownProperty known) => Left.MayMatch(known) && Right.MayMatch(known);
    }

    private sealed record Or(Node Left, Node Right) : Node
    {
        public override bool Evaluate(JsonObject entity) => Left.Evaluate(entity) || Right.Evaluate(entity);

        public override bool MayMatch(KnownProperty known) => Left.MayMatch(known) || Right.MayMatch(known);
    }

    private sealed record Comparison(FilterProperty Property, string Operator, object Literal) : Node
    {
        public override bool Evaluate(JsonObject entity) => Compare(Find(entity, Property));

        public override bool MayMatch(KnownProperty known) => !known(Property.Path, out var value) || Compare(value);

        private bool Compare(JsonNode? value)
        {
            if (value is not JsonValue scalar)
            {
                return Operator == "ne";
            }

            int? order = Property.Kind switch
            {
                FilterKind.DateTime => scalar.TryGetValue(out string? text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                    ? time.CompareTo((DateTimeOffset)Literal)
                    : scalar.TryGetValue(out DateTimeOffset known) ? known.CompareTo((DateTimeOffset)Literal) : null,
                FilterKind.Number => scalar.GetValueKind() == JsonValueKind.Number ? scalar.GetValue<long>().CompareTo((long)Literal) : null,
                FilterKind.Boolean => scalar.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? scalar.GetValue<bool>().CompareTo((bool)Literal) : null,
                _ => scalar.TryGetValue(out string? s) ? string.Compare(s, (string)Literal, StringComparison.OrdinalIgnoreCase) : null,
            };
            if (order is not int c)
            {
                return Operator == "ne";
            }

            return Operator switch
            {
                "eq" => c == 0,
                "ne" => c != 0,
                "gt" => c > 0,
                "ge" => c >= 0,
                "lt" => c < 0,
                _ => c <= 0,
            };
        }
    }

    /// <summary><c>startswith(property, 'prefix')</c>, case-insensitive as text comparisons are.</summary>
    private sealed record StartsWith(FilterProperty Property, string Prefix) : Node
    {
        public override bool Evaluate(JsonObject entity) => Test(Find(entity, Property));

        public override bool MayMatch(KnownProperty known) => !known(Property.Path, out var value) || Test(value);

        private bool Test(JsonNode? value) => value is JsonValue scalar && scalar.TryGetValue(out string? text) && text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Parses a filter against the properties an entity allows.</summary>
    /// <exception cref="BatchRequestException">400 <c>InvalidQueryParameterValue</c>: the filter is malformed or uses what is not supported.</exception>
    public static ODataFilter Parse(string text, IReadOnlyList<FilterProperty> properties)
    {
        var parser = new Parser(text, properties);
        return new ODataFilter(parser.ParseAll());
    }

    /// <summary>Whether an entity (as its wire JSON) matches.</summary>
    public bool Matches(JsonObject entity) => _root.Evaluate(entity);

    /// <summary>
    /// Whether an entity may match, judged only on the properties <paramref name="known"/> gives, before its JSON is made: a
    /// comparison of a property it does not know counts as a match. Never <see langword="false"/> for an entity that
    /// <see cref="Matches"/> (when the known values are those of its JSON); exact when every compared property is known.
    /// </summary>
    /// <param name="known">The properties known without the JSON.</param>
    /// <returns>Whether the entity may match.</returns>
    public bool MayMatch(KnownProperty known) => _root.MayMatch(known);

    private sealed class Parser(string text, IReadOnlyList<FilterProperty> properties)
    {
        private static readonly string[] Operators = ["eq", "ne", "gt", "ge", "lt", "le"];
        private int _pos;

        public Node ParseAll()
        {
            var node = ParseOr();
            SkipSpace();
            if (_pos < text.Length)
            {
                throw Fail($"unexpected '{text[_pos..]}'");
            }

            return node;
        }

        private Node ParseOr()
        {
            var left = ParseAnd();
            while (TryKeyword("or"))
            {
                left = new Or(left, ParseAnd());
            }

            return left;
        }

        private Node ParseAnd()
        {
            var left = ParsePrimary();
            while (TryKeyword("and"))
            {
                left = new And(left, ParsePrimary());
            }

            return left;
        }

        private Node ParsePrimary()
        {
            SkipSpace();
            if (_pos < text.Length && text[_pos] == '(')
            {
                _pos++;
                var inner = ParseOr();
                SkipSpace();
                if (_pos >= text.Length || text[_pos] != ')')
                {
                    throw Fail("a '(' is not closed");
                }

                _pos++;
                return inner;
            }

            string name = ReadIdentifier() ?? throw Fail(_pos < text.Length ? $"expected a property name at '{text[_pos..]}'" : "the filter ends where a comparison should be");
            if (string.Equals(name, "startswith", StringComparison.OrdinalIgnoreCase) && _pos < text.Length && text[_pos] == '(')
            {
                return ParseStartsWith();
            }

            var property = FindProperty(name);
            string op = (ReadIdentifier() ?? string.Empty).ToLowerInvariant();
            if (!Operators.Contains(op))
            {
                throw Fail($"'{name}' must be followed by one of {string.Join(", ", Operators)}");
            }

            if (property.EqualityOnly && op != "eq")
            {
                throw Fail($"'{name}' compares only with eq");
            }

            return new Comparison(property, op, ReadLiteral(property));
        }

        /// <summary>The rest of <c>startswith(property, 'prefix')</c>, after the function's name.</summary>
        private StartsWith ParseStartsWith()
        {
            _pos++; // (
            string name = ReadIdentifier() ?? throw Fail("startswith takes a property name and a quoted prefix: startswith(id, 'prefix')");
            var property = FindProperty(name);
            if (!property.StartsWith)
            {
                var allowed = properties.Where(p => p.StartsWith).Select(p => p.Path).ToList();
                throw Fail($"startswith cannot test '{name}'" + (allowed.Count > 0 ? $" (it can test: {string.Join(", ", allowed)})" : " (this list supports no startswith)"));
            }

            SkipSpace();
            if (_pos >= text.Length || text[_pos] != ',')
            {
                throw Fail("startswith takes a property name and a quoted prefix: startswith(id, 'prefix')");
            }

            _pos++;
            SkipSpace();
            string prefix = ReadQuoted();
            SkipSpace();
            if (_pos >= text.Length || text[_pos] != ')')
            {
                throw Fail("a 'startswith(' is not closed");
            }

            _pos++;
            return new StartsWith(property, prefix);
        }

        private FilterProperty FindProperty(string name) =>
            properties.FirstOrDefault(p => string.Equals(p.Path, name, StringComparison.OrdinalIgnoreCase))
                ?? throw Fail($"filtering on '{name}' is not supported (supported: {string.Join(", ", properties.Select(p => p.Path))})");

        private object ReadLiteral(FilterProperty property)
        {
            SkipSpace();
            switch (property.Kind)
            {
                case FilterKind.Boolean:
                {
                    if (TryKeyword("true", allowClose: true))
                    {
                        return true;
                    }

                    return TryKeyword("false", allowClose: true) ? false : throw Fail($"'{property.Path}' compares with true or false");
                }

                case FilterKind.DateTime:
                {
                    if (!TryKeyword("datetime", allowQuote: true))
                    {
                        throw Fail($"'{property.Path}' compares with a datetime'…' literal");
                    }

                    string value = ReadQuoted();
                    return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
                        ? time
                        : throw Fail($"'{value}' is not a valid datetime");
                }

                case FilterKind.Number:
                {
                    int start = _pos;
                    while (_pos < text.Length && (char.IsAsciiDigit(text[_pos]) || (_pos == start && text[_pos] == '-')))
                    {
                        _pos++;
                    }

                    return long.TryParse(text.AsSpan(start, _pos - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long number)
                        ? number
                        : throw Fail($"'{property.Path}' compares with an integer");
                }

                default:
                {
                    string value = ReadQuoted();
                    if (property.Kind == FilterKind.Enum && property.Values is { } allowed && !allowed.Contains(value, StringComparer.OrdinalIgnoreCase))
                    {
                        throw Fail($"invalid {property.Path} '{value}' (valid: {string.Join(", ", allowed)})");
                    }

                    return value;
                }
            }
        }

        private string ReadQuoted()
        {
            if (_pos >= text.Length || text[_pos] != '\'')
            {
                throw Fail("expected a quoted literal");
            }

            var value = new System.Text.StringBuilder();
            _pos++;
            while (true)
            {
                if (_pos >= text.Length)
                {
                    throw Fail("a quoted literal is not closed");
                }

                char c = text[_pos++];
                if (c == '\'')
                {
                    if (_pos < text.Length && text[_pos] == '\'')
                    {
                        value.Append('\'');
                        _pos++;
                        continue;
                    }

                    return value.ToString();
                }

                value.Append(c);
            }
        }

        private string? ReadIdentifier()
        {
            SkipSpace();
            int start = _pos;
            while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] is '_' or '/' or '.'))
            {
                _pos++;
            }

            return _pos > start ? text[start.._pos] : null;
        }

        private bool TryKeyword(string keyword, bool allowQuote = false, bool allowClose = false)
        {
            SkipSpace();
            if (string.Compare(text, _pos, keyword, 0, keyword.Length, StringComparison.OrdinalIgnoreCase) != 0)
            {
                return false;
            }

            int end = _pos + keyword.Length;
            bool boundary = end >= text.Length || char.IsWhiteSpace(text[end]) || text[end] == '(' || (allowQuote && text[end] == '\'') || (allowClose && text[end] == ')');
            if (!boundary)
            {
                return false;
            }

            _pos = end;
            return true;
        }

        private void SkipSpace()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
            {
                _pos++;
            }
        }

        private BatchRequestException Fail(string reason) => BatchErrorResponses.InvalidQueryParameterValue("$filter", text, reason);
    }
}

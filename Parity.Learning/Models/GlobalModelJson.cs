using System.Text.Json;

namespace Parity.Learning.Models;

/// <summary>Reads the weights out of a task config's <c>global_model</c>.</summary>
public static class GlobalModelJson
{
    /// <summary>
    /// The weights of <paramref name="globalModel"/>: upstream's aggregation result
    /// (<c>{"method", "weights": {key: [..]}, "aggregated_model": {..}, "gradients": {..}, …}</c>, read from
    /// <c>weights</c>, else <c>aggregated_model</c>) or a bare <c>{key: [numbers]}</c> object. Null for JSON null.
    /// </summary>
    /// <exception cref="ModelConfigException">A value is not an array of finite numbers.</exception>
    public static Dictionary<string, float[]>? ReadWeights(JsonElement globalModel)
    {
        if (globalModel.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return null;
        if (globalModel.ValueKind != JsonValueKind.Object)
            throw new ModelConfigException("global_model must be a JSON object", "global_model");
        foreach (var name in (ReadOnlySpan<string>)["weights", "aggregated_model"])
        {
            if (globalModel.TryGetProperty(name, out var inner) && inner.ValueKind == JsonValueKind.Object)
                return ReadMap(inner);
        }
        return ReadMap(globalModel);
    }

    private static Dictionary<string, float[]> ReadMap(JsonElement map)
    {
        var weights = new Dictionary<string, float[]>();
        foreach (var property in map.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Array)
                throw new ModelConfigException($"global model value {property.Name} is not an array of numbers", property.Name);
            var values = new float[property.Value.GetArrayLength()];
            var index = 0;
            foreach (var item in property.Value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetSingle(out var value) || !float.IsFinite(value))
                    throw new ModelConfigException(
                        $"global model value {property.Name}[{index}] is not a finite number: {item.GetRawText()}", property.Name);
                values[index++] = value;
            }
            weights[property.Name] = values;
        }
        return weights;
    }
}

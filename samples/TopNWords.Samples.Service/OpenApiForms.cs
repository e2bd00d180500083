using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace TopNWords.Samples.Service;

/// <summary>Describes the multipart form of <c>POST /runs</c> in the OpenAPI document (the endpoint reads the body itself).</summary>
internal static class OpenApiForms
{
    public static void DescribeUploadForm(OpenApiOptions options) =>
        options.AddOperationTransformer((operation, context, cancellationToken) =>
        {
            if (operation.OperationId == "SubmitRun" && operation.RequestBody?.Content is { } content && content.TryGetValue("multipart/form-data", out var media))
            {
                media.Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string>(StringComparer.Ordinal) { "files" },
                    Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                    {
                        ["files"] = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Array,
                            Items = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
                            Description = "The files: one input each, named by its file name.",
                        },
                        ["numWords"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "How many top words each input reports (default 3)." },
                        ["runId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The run id to use; by default a new one." },
                    },
                };
            }

            return Task.CompletedTask;
        });
}

import { Param, type PipeTransform } from '@nestjs/common';
import { ProblemException } from '../common/problem/problem.exception.js';
import { scopeNetworkError } from '../common/validation/network.validators.js';

class NetworkPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const message = scopeNetworkError(value);
    if (message !== undefined) throw ProblemException.validation([{ field: 'path.network', message }]);
    return value;
  }
}

/** The `:network` path parameter: a scope's IPv4 network address (as Windows names a ScopeId). */
export const NetworkParam = (): ParameterDecorator => Param('network', new NetworkPipe());

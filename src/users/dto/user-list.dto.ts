import { ApiProperty } from '@nestjs/swagger';
import { PageInfoDto } from '../../common/dto/page-query.dto';
import { UserResponseDto } from './user-response.dto';

export class UserListDto extends PageInfoDto {
  @ApiProperty({ type: [UserResponseDto] })
  users: UserResponseDto[];
}

import { Module } from '@nestjs/common';
import { AccountPageController } from './account-page.controller';
import { AccountPage } from './account-page';

/** The account page at GET /account, for every user (account/ holds the source). */
@Module({
  controllers: [AccountPageController],
  providers: [AccountPage],
})
export class AccountPageModule {}
